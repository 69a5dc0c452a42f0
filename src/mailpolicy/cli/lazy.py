"""A click group that imports a subcommand's module only when that subcommand runs.

`mailpolicy check` runs in pre-commit hooks, so its start-up is paid on every commit; it should
not import the Postfix sandbox, the audit or the differ. Each lazy command is registered with
the one-line help `mailpolicy --help` lists, so listing the commands imports none of them.
"""

from __future__ import annotations

import importlib

import click


class LazyGroup(click.Group):
    """A group whose commands can be named by module and function, imported on first use."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, tuple[str, str, str]] = {}

    def add_lazy_command(self, name: str, module: str, function: str, help: str) -> None:
        """Register `module.function` as command `name`; `help` is its docstring's first paragraph."""
        self.lazy[name] = (module, function, help)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None and name in self.lazy:
            module, function, _ = self.lazy[name]
            command = getattr(importlib.import_module(module), function)
            self.add_command(command, name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List every command with its one-line help, importing none that is not loaded yet."""
        commands = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name)
            if command is None and name in self.lazy:
                # Same text click would show for the loaded command: its docstring's first paragraph.
                command = click.Command(name, help=self.lazy[name][2])
            if command is not None and not command.hidden:
                commands.append((name, command))
        if commands:
            # The whole summary, wrapped rather than cut at the terminal's width with "...": a
            # summary that stops mid-sentence hides what the command is for.
            with formatter.section("Commands"):
                formatter.write_dl([(name, command.get_short_help_str(limit=1_000)) for name, command in commands])

"""Deploy a build into a configuration folder: merge, stage, postmap, back up, install, check, reload.

The order is what makes a failure harmless:
1. everything that can be refused without touching the folder is refused first: a build that is
   not an unedited compile output, a main.cf line Postfix refuses, a merged main.cf that is an
   open relay (proof.py), a map main.cf looks up elsewhere, a map postmap refuses (postmap runs
   on a staged copy, so its indexed file is made before anything is installed);
2. the files to be replaced are copied into the backup folder, the journal is written, and the
   staged files are renamed into place, main.cf last;
3. `postfix check` on the installed files; then, when Postfix runs, `postfix reload` and a look
   that master survived it. A failure in 2 or 3 puts every backed-up file back (and reloads or
   restarts Postfix on them when the failed step had reached it).
When Postfix is not running the files are installed and checked, and nothing is started: starting
a mail server is the administrator's call (`postfix start`), and the report says so.
"""

from __future__ import annotations

import os
from pathlib import Path

import attrs

from mailpolicy.deploy import transaction
from mailpolicy.deploy.build import MAIN_CF, MASTER_CF, Build, read_build
from mailpolicy.deploy.merge import merge_into_deployed, read_deployed
from mailpolicy.deploy.proof import open_relays
from mailpolicy.deploy.postfix_commands import CommandMissing, PostfixCommands, Result
from mailpolicy.deploy.tables import BuiltMap, locate_maps
from mailpolicy.diagnostics import Diagnostic
from mailpolicy.diagnostics import catalogue as cat
from mailpolicy.frozen import frozen, mutable
from mailpolicy.maincf.master_merge import is_services_only, merge_master_cf
from mailpolicy.postfix.privileged import is_inert, is_privileged, risk
from mailpolicy.source import SourceFile

OK, PROBLEMS, USAGE = 0, 1, 2


@mutable
class Outcome:
    """What a deploy did or would do: steps in order, diffs, diagnostics and the exit code."""

    steps: list[str] = attrs.field(factory=list)
    changes: list[tuple[str, str | None, str]] = attrs.field(factory=list)  # name, old text, new text
    diagnostics: list[Diagnostic] = attrs.field(factory=list)
    sources: list[SourceFile] = attrs.field(factory=list)
    exit_code: int = OK
    backup: Path | None = None

    def fail(self, code: int, *found: Diagnostic) -> Outcome:
        self.diagnostics.extend(found)
        self.exit_code = max(self.exit_code, code)
        return self


@frozen
class _Plan:
    files: dict[str, str]  # name -> new text, only those that change
    maps: list[BuiltMap]
    touched: list[str]  # every file the deploy may replace or create, index files included


def deploy(build_dir: Path, target: Path, *, dry_run: bool = False, reload: bool = True,
           backup_root: Path | None = None, privileged: bool = False) -> Outcome:
    """Install the build in `build_dir` into the configuration folder `target` (see the module docstring)."""
    outcome = Outcome()
    target = Path(os.path.abspath(target))  # postfix -c and postmap -c take absolute paths only
    if not target.is_dir():
        return outcome.fail(USAGE, cat.DEPLOY_FAILED.at(None, f"{target} is not a folder",
                                                        hint="give Postfix's configuration folder, e.g. /etc/postfix"))
    build, problems = read_build(build_dir)
    if build is None:
        return outcome.fail(PROBLEMS, *problems)
    try:
        with transaction.locked(target):
            _deploy_locked(build, target, outcome, dry_run=dry_run, reload=reload,
                           backup_root=backup_root or target / transaction.BACKUPS, privileged=privileged)
    except transaction.Busy as busy:
        outcome.fail(USAGE, cat.DEPLOY_FAILED.at(None, str(busy)))
    except CommandMissing as missing:
        outcome.fail(USAGE, cat.DEPLOY_FAILED.at(None, str(missing), hint="install Postfix (Debian: apt-get install postfix)"))
    except OSError as error:
        where = error.filename or target
        outcome.fail(USAGE, cat.DEPLOY_FAILED.at(None, f"cannot deploy into {target}: {where}: {error.strerror or error}",
                                                 hint="deploying into Postfix's folder needs root"))
    return outcome


def _deploy_locked(build: Build, target: Path, outcome: Outcome, *, dry_run: bool, reload: bool,
                   backup_root: Path, privileged: bool) -> None:
    interrupted = transaction.pending_backup(target)
    if dry_run and interrupted is not None:
        outcome.steps.append(f"would first put back the files of an interrupted deploy from {interrupted}")
    if not dry_run:
        if interrupted is not None:
            restored = transaction.roll_back(target, interrupted)
            outcome.diagnostics.append(cat.DEPLOY_RESTORED.at(
                None, f"a deploy into {target} was interrupted; restored {', '.join(restored)} from {interrupted}"))
        transaction.discard_staged(target)
    plan = _plan(build, target, outcome, privileged)
    if plan is None:
        return
    if not plan.files:
        outcome.steps.append(f"{target} already holds this build: nothing to do")
        return
    commands = PostfixCommands(target)
    running = reload and commands.running()
    if dry_run:
        _describe(plan, target, running, reload, backup_root, outcome)
        return
    _apply(build, plan, target, commands, running, backup_root, outcome)


def _privileged_changes(values: dict[str, str], deployed) -> list[Diagnostic]:
    """MP629 for each parameter Postfix uses as root (postfix/privileged.py) that the build changes.

    A build is vouched for by a hash, not a signature: whoever can commit to build/ could add
    `daemon_directory = DIR`, and deploy's own `postfix check` would run DIR/postfix-script as
    root. Such a change is installed only when the person running deploy says so.
    """
    found = []
    for name, value in values.items():
        before = deployed.value(name) if deployed is not None else None
        if not is_privileged(name) or is_inert(name, value) or " ".join(value.split()) == " ".join((before or "").split()):
            continue
        found.append(cat.DEPLOY_PRIVILEGED.at(
            None, f"the build sets {name} = {value} (deployed: {before if before is not None else 'unset'}); "
                  f"{name} {risk(name)}",
            hint="check who wrote that line and who can write what it names, then deploy with --privileged"))
    return found


def _master_cf_change(build: Build, target: Path) -> list[Diagnostic]:
    """MP630 when the build would replace master.cf: master runs each service's command as root.

    A whole master.cf in a build (not the services-only one compile writes, which is merged) was
    written by hand, by `compile --base-master`, or by whoever can commit to build/. master(8) runs `$daemon_directory/COMMAND` (a `..` in COMMAND is allowed,
    src/master/master_ent.c) and `unprivileged = n` keeps root: the file is root-level code.
    """
    if build.master_cf is None or build.master_cf == _read_text(target / MASTER_CF):
        return []
    return [cat.DEPLOY_MASTER_CF.at(
        None, f"the build carries a master.cf that differs from {target / MASTER_CF}; master(8) runs the "
              "commands it names as root, and compile writes only the policy's services (which deploy merges)",
        hint="review the build's master.cf line by line, then deploy with --privileged")]


def _plan(build: Build, target: Path, outcome: Outcome, privileged: bool) -> _Plan | None:
    deployed_text = _read_text(target / MAIN_CF)
    deployed = read_deployed(deployed_text, str(target / MAIN_CF))
    merged, problems = merge_into_deployed(deployed, build.main_cf, str(build.folder / MAIN_CF), build.source)
    if deployed is not None:
        outcome.sources.append(deployed.source)
    if merged is None:
        outcome.fail(PROBLEMS, *problems)
        return None
    build_master = build.master_cf
    services_only = build_master is not None and is_services_only(build_master)
    if services_only:
        # The policy's smtpd services, merged into the master.cf in use (maincf/master_merge.py):
        # every other service stays as it is, so no command master runs as root changes (no MP630).
        installed = _read_text(target / MASTER_CF)
        if installed is None:
            outcome.fail(PROBLEMS, cat.DEPLOY_FAILED.at(
                None, f"{target / MASTER_CF} does not exist: the build's services are merged into it",
                hint="install Postfix's master.cf first (Debian's package has one)"))
            return None
        build_master = merge_master_cf(installed, build_master, build.source)
    if not privileged:
        changed = _privileged_changes(merged.values, deployed)
        if not services_only:
            changed += _master_cf_change(build, target)
        if changed:
            outcome.fail(PROBLEMS, *changed)
            return None
    master_cf = build_master if build_master is not None else _read_text(target / MASTER_CF)
    relays, sources = open_relays(target, merged.text, master_cf)
    if relays:
        outcome.sources.extend(sources)
        outcome.fail(PROBLEMS, *relays)
        return None
    maps, problems = locate_maps(merged.text, sorted(build.maps), target)
    if problems:
        outcome.fail(PROBLEMS, *problems)
        return None
    wanted = {**build.maps, MAIN_CF: merged.text}
    if build_master is not None:
        wanted[MASTER_CF] = build_master
    files = {}
    for name, text in wanted.items():
        old = deployed_text if name == MAIN_CF else _read_text(target / name)
        # An indexed file missing or older than its source needs postmap even for the same source.
        if old != text or (name in build.maps and _index_stale(target, next(m for m in maps if m.name == name))):
            files[name] = text
            outcome.changes.append((name, old, text))
    touched = [*sorted(files), *(i for m in maps if m.name in files for i in m.index_files())]
    # A rename replaces a symbolic link itself, not the file it points to, and the backup would
    # hold the file's content: a rollback would leave a file where the link was.
    links = [name for name in touched if (target / name).is_symlink()]
    if links:
        outcome.fail(USAGE, *(cat.DEPLOY_FAILED.at(
            None, f"{target / name} is a symbolic link (to {os.readlink(target / name)}); deploy replaces files "
                  "and would turn the link into a file", hint="deploy into the folder the link points to, "
                                                              "or replace the link by the file") for name in links))
        return None
    return _Plan(files, [m for m in maps if m.name in files], touched)


def _index_stale(target: Path, built: BuiltMap) -> bool:
    source = target / built.name
    for index in built.index_files():
        path = target / index
        if not path.exists() or path.stat().st_mtime < source.stat().st_mtime:
            return True
    return False


def _describe(plan: _Plan, target: Path, running: bool, reload: bool, backup_root: Path, outcome: Outcome) -> None:
    outcome.steps.append(f"dry run: nothing in {target} is changed")
    for name in plan.files:
        outcome.steps.append(f"would write {target / name}")
    for built in plan.maps:
        for table_type in built.types:
            outcome.steps.append(f"would run postmap -c {target} {table_type}:{target / built.name}")
    outcome.steps.append(f"would back up the files it replaces into {backup_root}/<UTC time>/")
    outcome.steps.append(f"would run postfix -c {target} check")
    if running:
        outcome.steps.append(f"would run postfix -c {target} reload (Postfix is running)")
    elif reload:
        outcome.steps.append("would not reload: Postfix is not running (start it with `postfix start`)")
    else:
        outcome.steps.append("would not reload (--no-reload)")
    outcome.steps.append("any failure puts the previous files back")


def _apply(build: Build, plan: _Plan, target: Path, commands: PostfixCommands, running: bool,
           backup_root: Path, outcome: Outcome) -> None:
    staged: list[tuple[Path, str]] = []
    try:
        for name, text in plan.files.items():
            staged.append((transaction.stage(target, name, text), name))
        for built in plan.maps:
            temp = next(t for t, n in staged if n == built.name)
            for table_type in built.types:
                result = commands.postmap(table_type, temp)
                if not result.ok:
                    transaction.discard_staged(target)
                    outcome.fail(PROBLEMS, cat.DEPLOY_POSTMAP_FAILED.at(
                        None, f"postmap refused the map {built.name} ({table_type}); nothing was installed:\n"
                              + result.output.replace(temp.name, built.name),
                        hint="fix the map's source (compile it again from the policy) and deploy again"))
                    return
            # Each indexed file goes live before the source it indexes (main.cf, naming both, last).
            staged.extend((target / (temp.name + suffix), built.name + suffix) for suffix in _suffixes(built))
        order = sorted(staged, key=lambda pair: (pair[1] == MAIN_CF, pair[1] in plan.files))
        outcome.backup = transaction.new_backup_folder(backup_root)
        transaction.back_up(target, plan.touched, outcome.backup, build.folder)
        transaction.begin(target, outcome.backup)
    except BaseException:
        transaction.discard_staged(target)  # nothing is installed yet: the folder is as it was
        raise
    try:
        transaction.install(target, order)
        outcome.steps.append(f"installed {', '.join(n for _, n in order)} in {target}")
        _check_and_reload(target, commands, running, outcome)
    except BaseException:
        _restore(target, commands, outcome, reloaded=running)
        raise
    if outcome.exit_code:
        return
    transaction.finish(target)
    outcome.steps.append(f"the previous files are kept in {outcome.backup}")


def _suffixes(built: BuiltMap) -> list[str]:
    return [index[len(built.name):] for index in built.index_files()]


def _check_and_reload(target: Path, commands: PostfixCommands, running: bool, outcome: Outcome) -> None:
    check = commands.check()
    if not check.ok:
        _restore(target, commands, outcome, reloaded=False)
        outcome.fail(PROBLEMS, _failed(cat.DEPLOY_CHECK_FAILED, "postfix check refused the new files", check, outcome))
        return
    outcome.steps.append(f"postfix check: ok{_printed(check)}")
    if not running:
        outcome.diagnostics.append(cat.DEPLOY_NOT_RUNNING.at(
            None, f"Postfix (configuration {target}) is not running: the new files are installed and checked, "
                  "and take effect when it starts", hint=f"postfix -c {target} start"))
        return
    result = commands.reload()
    if not result.ok:
        _restore(target, commands, outcome, reloaded=True)
        outcome.fail(PROBLEMS, _failed(cat.DEPLOY_RELOAD_FAILED, "postfix reload failed", result, outcome))
        return
    outcome.steps.append("postfix reload: ok, master runs the new configuration")


def _restore(target: Path, commands: PostfixCommands, outcome: Outcome, *, reloaded: bool) -> None:
    """Put the previous files back; when master saw the new ones, make it read the old ones again."""
    restored = transaction.roll_back(target, outcome.backup)
    outcome.steps.append(f"restored the previous {', '.join(restored)} from {outcome.backup}")
    if reloaded:
        again = commands.reload() if commands.running() else commands.start()
        outcome.steps.append(f"{again.command}: {'ok' if again.ok else 'FAILED: ' + again.output}")


def _failed(code: cat.Code, what: str, result: Result, outcome: Outcome) -> Diagnostic:
    return code.at(None, f"{what}; the previous files are back in place:\n{result.output}",
                   hint=f"the new files were not kept; the backup is {outcome.backup}")


def _printed(result: Result) -> str:
    return f" ({result.output})" if result.output else ""


def _read_text(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8", "surrogateescape")
    except FileNotFoundError:
        return None


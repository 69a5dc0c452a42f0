"""Exit codes, the same for every subcommand (and written in --help)."""

OK = 0             # clean: no errors (warnings allowed unless --warnings-as-errors)
PROBLEMS = 1       # the input has errors, an expectation failed, or --check found drift
USAGE = 2          # bad command line, or a file that cannot be read or written
INTERNAL_ERROR = 123  # a bug in mailpolicy

EXIT_CODES_HELP = (
    "Exit codes: 0 clean; 1 problems found (errors, failed expectations, or drift with --check); "
    "2 usage or I/O error; 123 internal error."
)

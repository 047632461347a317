"""`python -m contract_tests`: the `check` command on its own."""

from contract_tests.cli import check

if __name__ == "__main__":
    check.main(prog_name="python -m contract_tests")

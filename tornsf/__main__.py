"""Run the proxy: ``python -m tornsf --env dev|prod``."""

from tornsf.cli import main

if __name__ == "__main__":
    main()

import sys

from printer.cli import main

sys.exit(main())

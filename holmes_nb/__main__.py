import sys

from holmes_nb.cli import main

sys.exit(main())

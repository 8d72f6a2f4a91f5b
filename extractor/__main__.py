import sys

from extractor.cli import console_main

sys.exit(console_main())

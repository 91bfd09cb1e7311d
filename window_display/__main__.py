from window_display.cli import main

raise SystemExit(main())

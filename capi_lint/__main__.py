from capi_lint.cli import main

raise SystemExit(main())

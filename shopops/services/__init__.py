"""The core's writes, one module per feature: shops, members, the platform connection, sync requests and the
push callback's rows. Views, admin, tasks and commands call these; nothing else writes."""

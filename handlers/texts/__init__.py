"""Per-feature text catalogs, merged by handlers.i18n."""

ZH, EN = "zh-CN", "en"

# Modules under handlers/texts/ whose TEXTS make up the catalog.
FEATURES = ("core", "people", "nps", "tickets", "crm", "customers", "lifecycle", "imports", "stats", "home", "digest", "risk",
            "charts", "churn", "payments", "value", "tags", "reviews", "documents")

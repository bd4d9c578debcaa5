"""Everything that speaks Slack: one package per feature (each with one `register(app)`), and the
pieces they share (blocks, payload, context, ids, i18n, texts, dates, delivery, forms, router).
bot/listeners.py wires the features into a Bolt app."""

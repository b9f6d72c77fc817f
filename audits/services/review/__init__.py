"""Management review (ISO 9001:2015 9.3): its inputs (`inputs`, one module per 9.3.2 group), its
life and decisions (`core`), its notice of conclusions (`notice`)."""

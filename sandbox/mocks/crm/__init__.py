"""Marketing CRM mock in HubSpot CRM v3 shape (object ``companies``, unique property ``store_id``)."""

"""四率: response, resolution, satisfaction and on-time closure rates of resident requests (docs/rates.md)."""

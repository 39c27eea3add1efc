"""Clinical data model, stores, ingestion, annotation, OCR and similar-patient search."""

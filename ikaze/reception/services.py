"""Reception writes."""

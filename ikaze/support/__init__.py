"""Support payments (issue #14): entitlements, payment batches, the ledger and providers."""

"""The caching package's pure parts."""

"""Words for people: cell labels, numbers and the vocabulary every message and writer shares."""

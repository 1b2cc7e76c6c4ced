"""The local router: lexicon, slots, ranking, argument filling, short answers."""

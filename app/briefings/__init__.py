"""Briefings: recorded videos that partners watch online, with captions, transcripts and a record of learning."""

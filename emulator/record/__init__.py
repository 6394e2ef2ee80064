"""Record and replay: a proxy that writes what a real API answered as scenario
files, and the replay of those answers (README, "Record and replay")."""

"""Write stage: archives published all at once, output streams, file names."""

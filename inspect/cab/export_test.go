package cab

// SetAheadHook lets the external tests watch the parallel walk's read-ahead.
func SetAheadHook(f func(pending int, buffered int64)) { aheadHook = f }

// Package defaults holds the rule the packages' configuration values follow for numbers: a zero
// or negative count, size or duration means "the default", so that the zero value of a config
// is usable and a negative value never reaches the code that uses it.
package defaults

// Number is what Positive applies to: counts, byte sizes and durations (time.Duration is an
// int64).
type Number interface {
	~int | ~int32 | ~int64
}

// Positive is v when it is above zero, else def.
func Positive[T Number](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

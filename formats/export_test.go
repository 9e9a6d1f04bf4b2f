package formats

// WholeElements makes a validation parse each array element whole, as the engine once did for
// a Checker, so that tests outside the package can compare the two ways.
func WholeElements(o Options) Options {
	o.wholeElements = true
	return o
}

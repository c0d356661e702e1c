/*
 * benchfloor — the cost of starting a program linked as mailflow is, before
 * mailflow does anything: the dynamic loader maps and relocates every
 * library and runs their constructors (GLib's type system among them).
 * make bench times it beside figure 2 so that the share of a check that
 * belongs to the libraries, not to mailflow's code, is a measured number.
 */
int main(void)
{
	return 0;
}

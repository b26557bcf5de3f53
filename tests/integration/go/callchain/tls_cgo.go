//go:build cgo

package main

// A C thread-local variable makes the executable's TLS block larger than Go's own g slot, so the g
// slot is not at the usual fs-8: the analysis must compute its offset (tests/unit/runtimes/go).

/*
__thread char callscope_tls_pad[200];
char *callscope_tls_addr(void) { return callscope_tls_pad; }
*/
import "C"

var tlsPad = C.callscope_tls_addr()

/* A process that does nothing until it is stopped, whatever its arguments: stands in for a runtime that
 * the test machine does not have (e.g. `java -jar orders.jar`), so its /proc entries look like one. */
#include <unistd.h>
int main(void) {
  for (;;) pause();
}

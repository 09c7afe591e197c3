#include "ccodecs.h"
#include <stdlib.h>

void cc_free(void *pointer) { free(pointer); }

// libharu, the PDF writer of the report templates. tools/setup.sh installs libhpdf-dev.
#include <hpdf.h>

// CPROJ: PROJ's C API; only geodesic.h (Karney's geodesic algorithms) is used, for true cell
// areas on geographic grids (geod_init, geod_polygonarea).
#ifndef CPROJ_SHIM_H
#define CPROJ_SHIM_H
#include <geodesic.h>
#endif

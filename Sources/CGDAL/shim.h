// CGDAL: the GDAL/OGR C API as Swift sees it. Only what Swift cannot import directly gets a
// helper here, and each helper says why it exists. Helpers carry the `cgdal_` prefix.
#ifndef CGDAL_SHIM_H
#define CGDAL_SHIM_H

#include <gdal.h>
#include <gdal_alg.h>
#include <gdal_utils.h>
#include <gdalwarper.h>
#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

/// INIT_RASTERIO_EXTRA_ARG is a function-like macro, which Swift does not import.
static inline GDALRasterIOExtraArg cgdal_default_rasterio_extra_arg(void) {
  GDALRasterIOExtraArg arg;
  INIT_RASTERIO_EXTRA_ARG(arg);
  return arg;
}

/// CPLError is variadic, which Swift does not import; this passes a plain message through "%s".
static inline void cgdal_report_error(CPLErr severity, CPLErrorNum number, const char *message) {
  CPLError(severity, number, "%s", message);
}

/// GDAL_VERSION_NUM is a macro built from other macros; exposed as a value.
static inline int cgdal_version_num(void) { return GDAL_VERSION_NUM; }

#endif

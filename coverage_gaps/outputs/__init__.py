"""Writers: CSV tables, GeoPackage layers, Folium maps, signal rasters.  Every file is written to
a temporary name in its folder and renamed into place, so a failed run leaves no half file."""

"""The villages reader: formats, column detection, ids, repairs."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS

from coverage_gaps.errors import (
    ColumnError,
    CoverageGapsWarning,
    CRSError,
    InputError,
    LayerError,
    SettingsError,
)
from coverage_gaps.io.villages import read_villages, villages_unit
from coverage_gaps.settings import VillageOptions
from coverage_gaps.zonal import village_geometry
from tests.helpers import UTM, X0, Y0


def sample(n: int = 3) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "ma_thon": [f"{i:05d}" for i in range(n)],
            "ten_thon": [f"Bản {i}" for i in range(n)],
            "xa": ["Xã A"] * n,
            "tinh": ["Lào Cai"] * n,
        },
        geometry=[
            shapely.box(X0 + 3000 * i, Y0, X0 + 3000 * i + 1000, Y0 + 1000) for i in range(n)
        ],
        crs=UTM,
    )


@pytest.mark.parametrize("ext", ["gpkg", "geojson", "shp", "parquet"])
def test_formats_and_detected_columns(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"v.{ext}"
    if ext == "parquet":
        sample().to_parquet(path)
    else:
        sample().to_file(path)
    v = read_villages(path)
    assert v["village_id"].tolist() == ["00000", "00001", "00002"]  # leading zeros kept
    assert v["village_name"].tolist() == ["Bản 0", "Bản 1", "Bản 2"]
    assert set(v["commune"]) == {"Xã A"} and set(v["province"]) == {"Lào Cai"}
    assert v.crs.to_epsg() == 32648


def test_integer_ids_and_named_columns(tmp_path: Path) -> None:
    frame = sample().rename(columns={"ma_thon": "MYID", "ten_thon": "label"})
    frame["MYID"] = [7, 8, 9]
    frame.to_file(tmp_path / "v.gpkg")
    v = read_villages(tmp_path / "v.gpkg", options=VillageOptions(id_col="myid", name_col="label"))
    assert v["village_id"].tolist() == ["7", "8", "9"]
    with pytest.raises(ColumnError, match="--name-col 'nom' is not a column"):
        read_villages(tmp_path / "v.gpkg", options=VillageOptions(name_col="nom"))


def test_province_codes_become_names(tmp_path: Path) -> None:
    frame = sample().drop(columns="tinh")
    frame["province_code"] = ["15", "15", "08"]
    frame.to_file(tmp_path / "v.gpkg")
    v = read_villages(tmp_path / "v.gpkg")
    assert v["province"].tolist() == ["Lào Cai", "Lào Cai", "Tuyên Quang"]
    assert v["province_code"].tolist() == ["15", "15", "08"]


def test_invalid_repaired_and_empty_dropped(tmp_path: Path) -> None:
    frame = sample(4)
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 1000, Y0 + 1000), (X0 + 1000, Y0), (X0, Y0 + 1000)])
    frame.loc[1, "geometry"] = bowtie
    frame.loc[2, "geometry"] = shapely.Polygon()
    frame.to_file(tmp_path / "v.gpkg")
    with pytest.warns(CoverageGapsWarning) as rec:
        v = read_villages(tmp_path / "v.gpkg")
    messages = " ".join(str(r.message) for r in rec)
    assert "repaired 1 invalid geometry" in messages
    assert "dropped 1 feature(s) with empty geometry (ids '00002')" in messages
    assert len(v) == 3 and shapely.is_valid(np.asarray(v.geometry.values)).all()
    assert v.loc[v["village_id"] == "00001"].area.iloc[0] == pytest.approx(500_000)


def test_points_become_discs(tmp_path: Path) -> None:
    pts = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(105.0, 21.7)], crs=4326)
    pts.to_file(tmp_path / "p.geojson")
    v = read_villages(tmp_path / "p.geojson")
    geometry = village_geometry(v, CRS.from_user_input(UTM), radius_m=500)
    assert geometry.area_m2[0] == pytest.approx(np.pi * 500**2)
    x0, y0, x1, y1 = geometry.bounds
    assert (x1 - x0, y1 - y0) == pytest.approx((1000.0, 1000.0))
    assert v["commune"].tolist() == [""]


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_villages(tmp_path / "none.gpkg")
    (tmp_path / "junk.gpkg").write_text("not a geopackage")
    with pytest.raises(InputError, match="cannot be read as a vector layer"):
        read_villages(tmp_path / "junk.gpkg")
    nocrs = sample().set_crs(None, allow_override=True)
    nocrs.to_file(tmp_path / "nocrs.shp")
    with pytest.raises(CRSError, match="no coordinate reference system"):
        read_villages(tmp_path / "nocrs.shp")
    sample().to_file(tmp_path / "two.gpkg", layer="a")
    sample().to_file(tmp_path / "two.gpkg", layer="b")
    with pytest.raises(LayerError, match=r"has 2 layers .*choose one with --layer"):
        read_villages(tmp_path / "two.gpkg")
    with pytest.raises(LookupError, match=r"--layer 'c' is not a layer; the layers are a, b"):
        read_villages(tmp_path / "two.gpkg", options=VillageOptions(layer="c"))
    assert len(read_villages(tmp_path / "two.gpkg", options=VillageOptions(layer="b"))) == 3
    lines = gpd.GeoDataFrame(
        {"name": ["x"]}, geometry=[shapely.LineString([(0, 0), (1, 1)])], crs=4326
    )
    lines.to_file(tmp_path / "l.geojson")
    with pytest.raises(InputError, match="LineString features; villages must be polygons or"):
        read_villages(tmp_path / "l.geojson")


def test_a_geojson_not_in_utf8_says_so_and_how_to_convert_it(tmp_path: Path) -> None:
    text = (
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        '{"ten_thon": "Thôn Bản Mế"}, '
        '"geometry": {"type": "Point", "coordinates": [104.0, 22.5]}}]}'
    )
    path = tmp_path / "v.geojson"
    path.write_bytes(text.encode("utf-8"))
    assert read_villages(path)["village_name"].tolist() == ["Thôn Bản Mế"]
    path.write_bytes(text.replace("Thôn Bản Mế", "Café Hôtel").encode("latin-1"))
    with pytest.raises(InputError, match=r"v\.geojson: holds text that is not UTF-8 .*iconv"):
        read_villages(path)


def test_what_the_features_are(tmp_path: Path) -> None:
    villages = tmp_path / "villages.gpkg"
    sample().to_file(villages)  # polygons with a commune column: villages
    assert villages_unit(read_villages(villages)) == "village"
    communes = tmp_path / "communes.gpkg"
    sample().drop(columns="xa").to_file(communes)  # polygons, each its own commune
    assert villages_unit(read_villages(communes)) == "commune"
    points = tmp_path / "points.gpkg"
    frame = sample().drop(columns="xa")
    frame.geometry = frame.geometry.centroid
    frame.to_file(points)  # points are never communes
    assert villages_unit(read_villages(points)) == "village"
    # the user's word wins
    assert villages_unit(read_villages(communes), "village") == "village"
    assert villages_unit(read_villages(villages), "commune") == "commune"
    with pytest.raises(SettingsError, match=r"'ward' is not one of 'auto', 'village', 'commune'"):
        VillageOptions(unit="ward")  # type: ignore[arg-type]


def test_a_layer_without_ids_is_numbered_with_a_warning(tmp_path: Path) -> None:
    """No id column: the villages are numbered 1, 2, ... by row, and the user is told why that
    is fragile (it was silent)."""
    from coverage_gaps.errors import CoverageGapsWarning

    frame = gpd.GeoDataFrame(
        {"name": ["Bản A", "Bản B"], "commune": "Xã X", "province": "Lào Cai"},
        geometry=[shapely.Point(104.0, 22.0), shapely.Point(104.1, 22.0)],
        crs=4326,
    )
    path = tmp_path / "noid.gpkg"
    frame.to_file(path)
    with pytest.warns(CoverageGapsWarning, match=r"noid.gpkg: no id column .* --id-col"):
        villages = read_villages(path)
    assert villages["village_id"].tolist() == ["1", "2"]
    frame.assign(ma_thon=["001", "002"]).to_file(tmp_path / "ids.gpkg")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", CoverageGapsWarning)
        assert read_villages(tmp_path / "ids.gpkg")["village_id"].tolist() == [
            "001",
            "002",
        ]

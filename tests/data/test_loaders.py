"""Loading folders of class subfolders and CSV/TSV/JSONL tables; label order."""

import gzip
import json

import numpy as np
import pytest

from tfsenti.data.loaders import dataset_splits, load_dataset
from tfsenti.errors import DataError


def test_folder_in_aclimdb_layout(small_reviews):
    data = load_dataset(small_reviews / "train")
    assert data.class_names == ["neg", "pos"] and len(data) == 48 and data.name == "reviews"
    assert np.bincount(data.labels).tolist() == [24, 24]
    first_pos = (small_reviews / "train" / "pos" / "0000.txt").read_text(encoding="utf-8")
    assert data.texts[data.labels.tolist().index(1)] == first_pos
    for text, source in zip(data.texts, data.sources):  # each text knows its file
        assert (small_reviews / "train" / source).read_text(encoding="utf-8") == text
    assert dataset_splits(small_reviews) == {"train": small_reviews / "train",
                                             "test": small_reviews / "test"}


def test_tables_and_label_order(tmp_path):
    (tmp_path / "a.tsv").write_text("sentence\tlabel\nfine film\t10\nawful\t9\nok\t2\n", encoding="utf-8")
    data = load_dataset(tmp_path / "a.tsv")
    assert data.class_names == ["2", "9", "10"]  # integers sort numerically
    assert data.labels.tolist() == [2, 1, 0] and data.texts[0] == "fine film"
    (tmp_path / "b.jsonl").write_text('{"text": "good \\"quoted\\"", "label": "pos"}\n\n'
                                      '{"text": "bad", "label": "neg"}\n', encoding="utf-8")
    data = load_dataset(tmp_path / "b.jsonl")
    assert data.class_names == ["neg", "pos"] and data.texts == ['good "quoted"', "bad"]
    assert [data.source(0), data.source(1)] == ["row 1", "row 2"]
    assert data.subset(np.array([False, True]), "x").source(0) == "row 2"
    (tmp_path / "c.csv").write_text('review,stars\n"Great, really",pos\nmeh,neg\n', encoding="utf-8")
    data = load_dataset(tmp_path / "c.csv", "review", "stars", class_names=["neg", "pos"])
    assert data.texts[0] == "Great, really" and data.labels.tolist() == [1, 0]


def test_csv_delimiter_is_read_from_the_header(tmp_path):
    for delimiter in ",;\t|":
        path = tmp_path / "reviews.csv"
        path.write_text(f"text{delimiter}label\n\"Great, really; yes\"{delimiter}pos\n"
                        f"meh{delimiter}neg\n", encoding="utf-8")
        data = load_dataset(path)
        assert data.texts == ["Great, really; yes", "meh"], repr(delimiter)
        assert data.labels.tolist() == [1, 0]
    path.write_text("text,raw\tlabel\nfine, I guess\tpos\nbad\tneg\n", encoding="utf-8")
    data = load_dataset(path, text_column="text,raw", delimiter="tab")  # the header misleads
    assert data.texts == ["fine, I guess", "bad"] and data.class_names == ["neg", "pos"]


def test_a_byte_order_mark_crlf_line_ends_and_nul_bytes_are_read_as_text(tmp_path):
    (tmp_path / "excel.csv").write_bytes(
        b"\xef\xbb\xbftext,label\r\nnice\x00film,pos\r\nbad,neg\r\n")
    data = load_dataset(tmp_path / "excel.csv")
    assert data.texts == ["nice\x00film", "bad"] and data.class_names == ["neg", "pos"]


def test_characters_that_str_splitlines_breaks_at_stay_inside_a_row(tmp_path):
    # IMDB reviews hold U+0085 (Windows-1252's ellipsis); U+2028 and form feeds occur in scraped text
    texts = ["a slow start\x85 then gripping", "line\u2028separator", "form\x0cfeed", "plain"]
    labels = ["pos", "neg", "neg", "pos"]
    tables = {
        "r.tsv": "text\tlabel\n" + "".join(f"{t}\t{lab}\n" for t, lab in zip(texts, labels)),
        "r.csv": "text,label\r\n" + "".join(f"{t},{lab}\r\n" for t, lab in zip(texts, labels)),
        "r.jsonl": "".join(json.dumps({"text": t, "label": lab}, ensure_ascii=False) + "\n"
                           for t, lab in zip(texts, labels)),
    }
    for name, content in tables.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
        data = load_dataset(tmp_path / name)
        assert (data.texts, data.labels.tolist()) == (texts, [1, 0, 0, 1]), name


def test_repeated_or_blank_column_names_are_refused_by_name(tmp_path):
    for header, message in (("text,label,text", "names 'text' more than once"),
                            ("text,label,label", "names 'label' more than once"),
                            ("text,,label", "blank column name")):
        (tmp_path / "t.csv").write_text(f"{header}\ngreat,pos,x\n", encoding="utf-8")
        with pytest.raises(DataError, match=message):
            load_dataset(tmp_path / "t.csv")


def test_headers_match_trimmed_and_ignoring_case_when_one_column_fits(tmp_path):
    (tmp_path / "t.csv").write_text(" Review , Sentiment \ngreat,pos\nawful,neg\n", encoding="utf-8")
    assert load_dataset(tmp_path / "t.csv").texts == ["great", "awful"]
    (tmp_path / "u.csv").write_text("text,Text,label\na,b,pos\nc,d,neg\n", encoding="utf-8")
    assert load_dataset(tmp_path / "u.csv", text_column="Text").texts == ["b", "d"]
    with pytest.raises(DataError, match="no column 'TEXT'"):  # two columns fit: say which
        load_dataset(tmp_path / "u.csv", text_column="TEXT")


def test_cells_of_any_size_and_gzipped_tables_are_read_whole(tmp_path):
    document = "clause after clause of a long contract " * 20_000  # 780,000 characters
    with gzip.open(tmp_path / "long.csv.gz", "wt", encoding="utf-8") as f:
        f.write(f'text,label\n"{document}",neg\nshort,pos\n')
    data = load_dataset(tmp_path / "long.csv.gz")
    assert data.texts == [document, "short"] and data.name == "long"


def test_parquet_tables_are_read_by_the_same_column_rules(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = [f"review number {i}" for i in range(2_500)]  # three row batches of 1,024
    pq.write_table(pa.table({" Review ": texts, "stars": [i % 2 for i in range(2_500)]}),
                   tmp_path / "reviews.parquet", row_group_size=1_000)
    data = load_dataset(tmp_path / "reviews.parquet", label_column="stars")
    assert data.texts == texts and data.class_names == ["0", "1"]
    assert data.labels.tolist() == [i % 2 for i in range(2_500)]
    (tmp_path / "fake.parquet").write_text("text,label\n")
    with pytest.raises(DataError, match=r"fake.parquet: not a Parquet file \("):
        load_dataset(tmp_path / "fake.parquet")


def test_byte_order_marks_say_the_encoding_and_encoding_reads_others(tmp_path):
    table = "text,label\ncafé crème, très bon,pos\nawful,neg\n".replace(", très", " très")
    (tmp_path / "excel.csv").write_text(table, encoding="utf-16")  # Excel's "Unicode text"
    assert load_dataset(tmp_path / "excel.csv").texts[0] == "café crème très bon"
    (tmp_path / "windows.csv").write_text(table, encoding="cp1252")
    with pytest.raises(DataError) as refused:
        load_dataset(tmp_path / "windows.csv")
    assert str(refused.value) == (f"{tmp_path / 'windows.csv'}: not UTF-8 text (invalid "
                                  "continuation byte at byte 14); it looks like Windows-1252: "
                                  "read it with --encoding cp1252")
    assert load_dataset(tmp_path / "windows.csv", encoding="cp1252").texts[0] == (
        "café crème très bon")
    for label, text in (("pos", "naïve and lovely"), ("neg", "dull")):
        (tmp_path / "folder" / label).mkdir(parents=True)
        (tmp_path / "folder" / label / "1.txt").write_text(text, encoding="latin-1")
    with pytest.raises(DataError, match="pos/1.txt: not UTF-8 text .* --encoding cp1252"):
        load_dataset(tmp_path / "folder")
    assert load_dataset(tmp_path / "folder", encoding="latin-1").texts == ["dull",
                                                                          "naïve and lovely"]


@pytest.mark.parametrize("missing", ["NA", "n/a", "NaN", "null", "#N/A"])
def test_a_label_that_looks_missing_is_refused_naming_its_row(tmp_path, missing):
    (tmp_path / "t.csv").write_text(f"text,label\ngreat,pos\nfine,{missing}\nawful,neg\n",
                                    encoding="utf-8")
    with pytest.raises(DataError) as refused:
        load_dataset(tmp_path / "t.csv")
    assert str(refused.value) == (f"{tmp_path / 't.csv'}: row 2: label {missing!r} in column "
                                  "'label' looks like a missing value; give the row its label or "
                                  "leave the row out")
    (tmp_path / "u.csv").write_text("text,label\ngreat,pos\nfine,none\n", encoding="utf-8")
    assert load_dataset(tmp_path / "u.csv").class_names == ["none", "pos"]  # a class name

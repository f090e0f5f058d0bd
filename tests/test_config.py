"""Configuration: explicit backend choice, file and environment loading, secrets kept out of sight."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest

import faceclips
from faceclips.cli import main
from faceclips.config import load_config, redact_url
from faceclips.plugins.local.backend import parse_file_url

SECRET = "TOPSECRET-do-not-print"


@pytest.mark.parametrize(
    "url, expected",
    [
        ("file:///srv/clips/alerts", ("/srv/clips", "alerts")),
        ("file:///srv/clips/alerts/", ("/srv/clips", "alerts")),
        ("file://localhost/srv/clips/alerts", ("/srv/clips", "alerts")),
        ("file:./clips/alerts", ("./clips", "alerts")),
        ("file://./clips/alerts", ("./clips", "alerts")),
        ("file://~/clips/alerts", ("~/clips", "alerts")),
        ("file:///srv/my%20clips/alerts", ("/srv/my clips", "alerts")),
        ("file:///alerts", ("/", "alerts")),
    ],
)
def test_file_urls(url, expected):
    assert parse_file_url(url) == expected


@pytest.mark.parametrize("url", ["file://server/share/alerts", "file:alerts", "file:///", "file:///a/b?x=1"])
def test_bad_file_urls(url):
    with pytest.raises(faceclips.ConfigError):
        parse_file_url(url)


@pytest.mark.parametrize(
    "config, scheme",
    [
        (faceclips.StorageConfig(endpoint="./clips", bucket="a"), "file"),
        (faceclips.StorageConfig(endpoint="/srv/clips", bucket="a"), "file"),
        (faceclips.StorageConfig(endpoint="~/clips", bucket="a"), "file"),
        (faceclips.StorageConfig(endpoint="C:\\clips", bucket="a"), "file"),
        (faceclips.StorageConfig(endpoint="s3.amazonaws.com", bucket="a"), "https"),
        (faceclips.StorageConfig(endpoint="minio:9000", bucket="a"), "https"),
        (faceclips.StorageConfig(endpoint="http://127.0.0.1:9000", bucket="a"), "http"),
        (faceclips.StorageConfig(url="memory://a"), "memory"),
        (faceclips.StorageConfig(url="S3://bucket/prefix"), "s3"),
    ],
)
def test_the_backend_scheme_follows_the_written_form_only(config, scheme):
    assert config.scheme == scheme


def test_a_folder_that_does_not_exist_yet_is_still_a_folder(tmp_path):
    # the reference picked MinIO when the folder did not exist; here the form decides
    storage = faceclips.open_storage(faceclips.ObjectStorageConfig(endpoint=str(tmp_path / "new"), bucket="alerts"))
    assert storage.name == "local" and not storage.bucket_exists()


def test_a_bare_host_is_an_s3_endpoint_served_by_the_minio_plugin():
    storage = faceclips.open_storage(faceclips.StorageConfig(endpoint="clips", bucket="alerts"))
    assert storage.name == "minio" and storage.location == "https://clips/alerts"


def test_an_s3_host_without_a_plugin_says_how_to_write_a_folder(monkeypatch):
    monkeypatch.setenv("FACECLIPS_PLUGINS", "local,memory")
    with pytest.raises(faceclips.UnknownComponentError, match=r"for a folder write './clips'.*choose one of: file://, memory://"):
        faceclips.open_storage(faceclips.StorageConfig(endpoint="clips", bucket="alerts"))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "configuration is empty"),
        ({"endpoint": "./clips"}, "bucket is empty"),
        ({"url": "clips/alerts"}, "has no scheme"),
    ],
)
def test_incomplete_configurations(kwargs, message):
    with pytest.raises(faceclips.ConfigError, match=message):
        faceclips.open_storage(faceclips.StorageConfig(**kwargs))


def test_invalid_values_are_config_errors():
    for kwargs in ({"url_expiration_s": 0}, {"url_expiration_s": "1h"}, {"url": "file:///a/b", "endpoint": "./x"}, {"backend": ""}):
        with pytest.raises(faceclips.ConfigError):
            faceclips.StorageConfig(**kwargs)
    with pytest.raises(faceclips.ConfigError, match="Clip storage configuration is empty"):
        faceclips.FaceClipManager(None)
    with pytest.raises(faceclips.ConfigError):
        faceclips.FaceClipManager(42)


def test_a_degirum_tools_config_object_is_accepted_by_duck_typing(tmp_path):
    @dataclass
    class ObjectStorageConfig:  # the fields of degirum_tools.ObjectStorageConfig
        endpoint: str
        access_key: str
        secret_key: str
        bucket: str
        url_expiration_s: int = 3600

    (tmp_path / "alerts").mkdir()
    manager = faceclips.FaceClipManager(ObjectStorageConfig(str(tmp_path), "", "", "alerts", 60))
    assert manager.url_expiration_s == 60 and manager.storage.name == "local"


def test_toml_file_environment_and_url_precedence(tmp_path):
    config_file = tmp_path / "faceclips.toml"
    config_file.write_text(
        '[storage]\nendpoint = "./from-file"\nbucket = "alerts"\nurl_expiration_s = 600\n'
        '[storage.options]\nsecure = false\n'
    )
    config = load_config(config_file, environ={})
    assert (config.endpoint, config.bucket, config.url_expiration_s, dict(config.options)) == ("./from-file", "alerts", 600, {"secure": False})
    env = {"FACECLIPS_STORAGE_BUCKET": "night", "FACECLIPS_STORAGE_OPTION_REGION": "eu"}
    config = load_config(config_file, environ=env)
    assert (config.endpoint, config.bucket, config.options["region"]) == ("./from-file", "night", "eu")
    config = load_config(environ={"FACECLIPS_CONFIG": str(config_file), "FACECLIPS_STORAGE_URL": "memory://m"})
    assert (config.url, config.endpoint, config.url_expiration_s) == ("memory://m", "", 600)
    config = load_config(config_file, url="file:///x/y", environ=env)
    assert (config.url, config.endpoint) == ("file:///x/y", "")
    assert load_config(environ={}).url == "file:./clips/alerts"


@pytest.mark.parametrize(
    "text, message",
    [
        ('[storage]\nbukket = "x"\n', "unknown storage setting"),
        ('[strage]\nurl = "memory://x"\n', "unknown section"),
        ("[storage\n", "not valid TOML"),
        ("storage = 3\n", "must be a table"),
    ],
)
def test_bad_config_files(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(faceclips.ConfigError, match=message):
        load_config(path, environ={})


def test_unknown_and_malformed_environment_variables():
    with pytest.raises(faceclips.ConfigError, match="FACECLIPS_STORAGE_BUKET"):
        load_config(environ={"FACECLIPS_STORAGE_BUKET": "x"})
    with pytest.raises(faceclips.ConfigError, match="whole number"):
        load_config(environ={"FACECLIPS_STORAGE_URL_EXPIRATION_S": "soon"})
    with pytest.raises(faceclips.ConfigError, match="does not exist"):
        load_config("/no/such/faceclips.toml", environ={})


def test_secrets_never_appear_in_repr_errors_or_logs(tmp_path, caplog, capsys, monkeypatch):
    config = faceclips.StorageConfig(
        endpoint="s3.example.com", bucket="b", access_key="AKIA", secret_key=SECRET, options={"session_token": SECRET, "region": "eu"}
    )
    seed = faceclips.ObjectStorageConfig(endpoint="s3.example.com", bucket="b", secret_key=SECRET)
    assert SECRET not in repr(config) and SECRET not in str(config) and SECRET not in repr(seed)
    assert "'region': 'eu'" in repr(config)
    url = f"nosuch://user:{SECRET}@host:9000/bucket"
    assert SECRET not in redact_url(url) and "user:***@host:9000" in redact_url(url)
    assert SECRET not in repr(faceclips.StorageConfig(url=url))
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(faceclips.FaceclipsError) as error:
            faceclips.open_storage(url)
        assert SECRET not in str(error.value)
        monkeypatch.setenv("FACECLIPS_STORAGE_SECRET_KEY", SECRET)
        assert main(["-vv", "--url", url, "clips", "list"]) == 1
        assert main(["-vv", "--url", (tmp_path / "x" / "y").as_uri(), "clips", "list"]) == 1
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err
    assert SECRET not in caplog.text
    assert "secret_key='***'" in caplog.text  # the debug log did show the configuration


def test_timestamps_compare_with_naive_local_datetimes():
    from datetime import datetime, timedelta, timezone

    stamp = faceclips.Timestamp.from_epoch(1_700_000_000)
    local_naive = datetime.fromtimestamp(1_700_000_000)  # the same instant, naive local time
    assert stamp == local_naive
    assert (stamp != local_naive) is False
    assert stamp < local_naive + timedelta(seconds=1) and stamp > local_naive - timedelta(seconds=1)
    assert local_naive + timedelta(seconds=1) > stamp  # reflected comparison
    assert (local_naive + timedelta(hours=1)) - stamp == timedelta(hours=1)
    assert stamp - local_naive == timedelta(0)
    assert isinstance(stamp + timedelta(days=1), faceclips.Timestamp)
    assert stamp == datetime.fromtimestamp(1_700_000_000, timezone.utc)
    assert sorted([local_naive + timedelta(seconds=5), stamp])[0] is stamp

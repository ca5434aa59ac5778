"""Logging helpers (LogEavesdropper, patch_print) and the settings context (use_profile,
SettingsContext)."""

import logging

from prefect import flow
from prefect.context import SettingsContext, use_profile
from prefect.logging import LogEavesdropper
from prefect.logging.loggers import patch_print
from prefect.settings import PREFECT_LOGGING_LEVEL, Profile, get_current_settings


def scenario_log_eavesdropper_collects_a_logger_and_its_children():
    with LogEavesdropper("conf_eaves", level=logging.INFO) as eavesdropper:
        logging.getLogger("conf_eaves").info("Hello, world!")
        logging.getLogger("conf_eaves.child").warning("Another one!")
        logging.getLogger("conf_eaves").debug("too quiet")
        logging.getLogger("elsewhere").error("not this")
    logging.getLogger("conf_eaves").info("after")
    return {"text": eavesdropper.text(), "level_restored": logging.getLogger("conf_eaves").level}


def scenario_patch_print_logs_in_runs_with_log_prints():
    @flow(log_prints=True)
    def printing_flow():
        print("printed inside")
        return "done"

    with LogEavesdropper("prefect.flow_runs") as eavesdropper:
        with patch_print():
            printing_flow()
    messages = [line for line in eavesdropper.text().splitlines() if "printed" in line]
    return {"messages": messages}


def scenario_use_profile_switches_settings():
    profile = Profile(name="conf-use", settings={PREFECT_LOGGING_LEVEL: "ERROR"})
    with use_profile(profile) as ctx:
        inside = {
            "ctx_profile": ctx.profile.name,
            "get_profile": SettingsContext.get().profile.name,
            "level": get_current_settings().logging.level,
            "ctx_level": ctx.settings.logging.level,
            "setting_value": PREFECT_LOGGING_LEVEL.value(),
        }
    return {"inside": inside, "after_is_not_error": PREFECT_LOGGING_LEVEL.value() != "ERROR"}


def scenario_use_profile_environment_wins_unless_overridden():
    import os

    os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
    try:
        profile = Profile(name="conf-env", settings={PREFECT_LOGGING_LEVEL: "ERROR"})
        with use_profile(profile):
            plain = PREFECT_LOGGING_LEVEL.value()
        with use_profile(profile, override_environment_variables=True):
            overridden = PREFECT_LOGGING_LEVEL.value()
    finally:
        del os.environ["PREFECT_LOGGING_LEVEL"]
    return {"plain": plain, "overridden": overridden}


def scenario_use_profile_unknown_name_and_wrong_type():
    from observe import exc

    out = {}
    for given in ("conf-no-such-profile", 5):
        try:
            with use_profile(given):
                pass
        except BaseException as e:  # noqa: BLE001
            out[repr(given)] = exc(e)
    return out

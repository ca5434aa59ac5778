"""Prefect's profile objects: Profile, ProfilesCollection and the functions over the profiles
file (load_profiles, load_profile, load_current_profile, save_profiles, update_current_profile)."""

from observe import call
from prefect.settings import (
    PREFECT_LOGGING_LEVEL,
    Profile,
    ProfilesCollection,
    load_current_profile,
    load_profile,
    load_profiles,
    save_profiles,
    update_current_profile,
)


def scenario_profile_environment_variables():
    p = Profile(name="conf-a", settings={PREFECT_LOGGING_LEVEL: "DEBUG"})
    by_name = Profile(name="conf-b", settings={"PREFECT_LOGGING_LEVEL": "WARNING"})
    return {
        "name": p.name,
        "env": p.to_environment_variables(),
        "by_name_env": by_name.to_environment_variables(),
        "keys_are_settings": [k.name for k in by_name.settings],
    }


def scenario_profiles_collection_operations():
    one = Profile(name="one", settings={PREFECT_LOGGING_LEVEL: "DEBUG"})
    coll = ProfilesCollection([one], active="one")
    added = call(coll.add_profile, Profile(name="one"))
    unknown = call(coll.set_active, "nope")
    coll.add_profile(Profile(name="two"))
    merged = coll.update_profile("one", {"PREFECT_LOGGING_LEVEL": "ERROR"})
    dropped = coll.update_profile("one", {PREFECT_LOGGING_LEVEL: None})
    coll.set_active("two")
    coll.remove_profile("one")
    return {
        "add_existing": added,
        "set_active_unknown": unknown,
        "merged": merged.to_environment_variables(),
        "dropped": dropped.to_environment_variables(),
        "names": sorted(coll.names),
        "active": coll.active_profile.name,
        "iter": list(coll),
        "equal_copy": coll == ProfilesCollection(list(coll.profiles_by_name.values()), "two"),
    }


def scenario_load_profile_missing_is_value_error():
    return call(load_profile, "conf-no-such-profile")


def scenario_update_current_profile_persists():
    before = load_current_profile().name
    updated = update_current_profile({"PREFECT_LOGGING_LEVEL": "WARNING"})
    reread = load_profile(before).to_environment_variables().get("PREFECT_LOGGING_LEVEL")
    cleared = update_current_profile({PREFECT_LOGGING_LEVEL: None})
    return {
        "same_profile": updated.name == before,
        "updated": updated.to_environment_variables().get("PREFECT_LOGGING_LEVEL"),
        "reread": reread,
        "cleared": cleared.to_environment_variables().get("PREFECT_LOGGING_LEVEL"),
    }


def scenario_save_profiles_writes_a_new_profile():
    profiles = load_profiles()
    profiles.add_profile(Profile(name="conf-saved", settings={"PREFECT_LOGGING_LEVEL": "ERROR"}))
    save_profiles(profiles)
    saved = load_profile("conf-saved")
    profiles = load_profiles()
    profiles.remove_profile("conf-saved")
    save_profiles(profiles)
    return {
        "saved": saved.to_environment_variables(),
        "gone": "conf-saved" not in load_profiles().names,
    }

"""hashlease.addin: the HL_ Excel function registry and its xlwings adapters (see issue: the add-in)."""

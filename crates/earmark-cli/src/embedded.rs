//! The embedded defaults: catalog, rule packs and list snapshot compiled into the binary, so
//! that `earmark` answers with no files around it.

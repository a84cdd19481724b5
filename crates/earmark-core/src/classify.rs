//! Classification under 3A090/4A090 (in progress).

//! Rule packs: the regulations as versioned, cited data (in progress).

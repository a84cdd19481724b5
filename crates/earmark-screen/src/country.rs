//! Country names as the lists print them, folded to ISO 3166-1 alpha-2 codes, so that a
//! query's `--country CN` can be compared with OFAC's "China" or the DPL's "CN".

/// Country names and spellings found in the list files, with their alpha-2 code. Lower case.
const NAMES: &[(&str, &str)] = &[
    ("afghanistan", "AF"), ("albania", "AL"), ("algeria", "DZ"), ("andorra", "AD"),
    ("angola", "AO"), ("argentina", "AR"), ("armenia", "AM"), ("aruba", "AW"),
    ("australia", "AU"), ("austria", "AT"), ("azerbaijan", "AZ"), ("bahamas", "BS"),
    ("bahamas, the", "BS"), ("the bahamas", "BS"), ("bahrain", "BH"), ("bangladesh", "BD"),
    ("barbados", "BB"), ("belarus", "BY"), ("belgium", "BE"), ("belize", "BZ"), ("benin", "BJ"),
    ("bermuda", "BM"), ("bolivia", "BO"), ("bosnia and herzegovina", "BA"),
    ("bosnia-herzegovina", "BA"), ("botswana", "BW"), ("brazil", "BR"), ("brunei", "BN"),
    ("bulgaria", "BG"), ("burkina faso", "BF"), ("burma", "MM"), ("myanmar", "MM"),
    ("burundi", "BI"), ("cambodia", "KH"), ("cameroon", "CM"), ("canada", "CA"),
    ("cayman islands", "KY"), ("central african republic", "CF"), ("chad", "TD"),
    ("chile", "CL"), ("china", "CN"), ("people's republic of china", "CN"), ("prc", "CN"),
    ("colombia", "CO"), ("comoros", "KM"), ("congo, democratic republic of the", "CD"),
    ("democratic republic of the congo", "CD"), ("congo, republic of the", "CG"),
    ("republic of the congo", "CG"), ("costa rica", "CR"), ("cote d ivoire", "CI"),
    ("cote d'ivoire", "CI"), ("ivory coast", "CI"), ("croatia", "HR"), ("cuba", "CU"),
    ("cyprus", "CY"), ("czech republic", "CZ"), ("czechia", "CZ"), ("denmark", "DK"),
    ("djibouti", "DJ"), ("dominica", "DM"), ("dominican republic", "DO"), ("ecuador", "EC"),
    ("egypt", "EG"), ("el salvador", "SV"), ("equatorial guinea", "GQ"), ("eritrea", "ER"),
    ("estonia", "EE"), ("ethiopia", "ET"), ("finland", "FI"), ("france", "FR"),
    ("gambia", "GM"), ("the gambia", "GM"), ("georgia", "GE"), ("germany", "DE"),
    ("ghana", "GH"), ("gibraltar", "GI"), ("greece", "GR"), ("guatemala", "GT"),
    ("guernsey", "GG"), ("guinea", "GN"), ("guinea-bissau", "GW"), ("guyana", "GY"),
    ("haiti", "HT"), ("honduras", "HN"), ("hong kong", "HK"), ("hungary", "HU"),
    ("iceland", "IS"), ("india", "IN"), ("indonesia", "ID"), ("iran", "IR"), ("iraq", "IQ"),
    ("ireland", "IE"), ("israel", "IL"), ("italy", "IT"), ("jamaica", "JM"), ("japan", "JP"),
    ("jersey", "JE"), ("jordan", "JO"), ("kazakhstan", "KZ"), ("kenya", "KE"),
    ("korea, north", "KP"), ("north korea", "KP"), ("korea, south", "KR"),
    ("south korea", "KR"), ("korea", "KR"), ("kosovo", "XK"), ("kuwait", "KW"),
    ("kyrgyzstan", "KG"), ("laos", "LA"), ("latvia", "LV"), ("lebanon", "LB"),
    ("liberia", "LR"), ("libya", "LY"), ("liechtenstein", "LI"), ("lithuania", "LT"),
    ("luxembourg", "LU"), ("macau", "MO"), ("macao", "MO"), ("malaysia", "MY"),
    ("maldives", "MV"), ("mali", "ML"), ("malta", "MT"), ("man, isle of", "IM"),
    ("isle of man", "IM"), ("marshall islands", "MH"), ("mauritania", "MR"),
    ("mauritius", "MU"), ("mexico", "MX"), ("moldova", "MD"), ("monaco", "MC"),
    ("mongolia", "MN"), ("montenegro", "ME"), ("morocco", "MA"), ("mozambique", "MZ"),
    ("namibia", "NA"), ("nepal", "NP"), ("netherlands", "NL"), ("the netherlands", "NL"),
    ("netherlands antilles", "AN"), ("new zealand", "NZ"), ("nicaragua", "NI"),
    ("niger", "NE"), ("nigeria", "NG"), ("north macedonia", "MK"),
    ("north macedonia, the republic of", "MK"), ("macedonia", "MK"), ("norway", "NO"),
    ("oman", "OM"), ("pakistan", "PK"), ("palau", "PW"), ("palestinian", "PS"),
    ("palestine", "PS"), ("west bank", "PS"), ("region: west bank", "PS"), ("region: gaza", "PS"),
    ("panama", "PA"), ("paraguay", "PY"), ("peru", "PE"), ("philippines", "PH"),
    ("poland", "PL"), ("portugal", "PT"), ("qatar", "QA"), ("romania", "RO"), ("russia", "RU"),
    ("russian federation", "RU"), ("region: russia", "RU"), ("region: crimea", "UA"),
    ("rwanda", "RW"), ("saint kitts and nevis", "KN"), ("saint vincent and the grenadines", "VC"),
    ("samoa", "WS"), ("san marino", "SM"), ("saudi arabia", "SA"), ("senegal", "SN"),
    ("serbia", "RS"), ("seychelles", "SC"), ("sierra leone", "SL"), ("singapore", "SG"),
    ("slovakia", "SK"), ("slovenia", "SI"), ("somalia", "SO"), ("south africa", "ZA"),
    ("south sudan", "SS"), ("spain", "ES"), ("sri lanka", "LK"), ("sudan", "SD"),
    ("suriname", "SR"), ("sweden", "SE"), ("switzerland", "CH"), ("syria", "SY"),
    ("taiwan", "TW"), ("tajikistan", "TJ"), ("tanzania", "TZ"), ("thailand", "TH"),
    ("trinidad and tobago", "TT"), ("tunisia", "TN"), ("turkey", "TR"), ("turkiye", "TR"),
    ("turkmenistan", "TM"), ("uganda", "UG"), ("ukraine", "UA"),
    ("united arab emirates", "AE"), ("uae", "AE"), ("u.a.e", "AE"), ("u.a.e.", "AE"),
    ("united kingdom", "GB"), ("uk", "GB"), ("england", "GB"), ("united states", "US"),
    ("usa", "US"), ("u.s.a.", "US"), ("uruguay", "UY"), ("uzbekistan", "UZ"),
    ("vanuatu", "VU"), ("venezuela", "VE"), ("vietnam", "VN"), ("viet nam", "VN"),
    ("virgin islands, british", "VG"), ("british virgin islands", "VG"), ("yemen", "YE"),
    ("zambia", "ZM"), ("zimbabwe", "ZW"), ("crimea region of ukraine", "UA"),
];

/// The alpha-2 code for a country as printed in a list: a code ("CN", "cn") is returned in
/// upper case, a known name is looked up, anything else gives `None`.
pub fn to_code(text: &str) -> Option<String> {
    let t = text.trim().trim_end_matches('.');
    if t.len() == 2 && t.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Some(t.to_ascii_uppercase());
    }
    let lower = t.to_lowercase();
    NAMES
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|(_, code)| (*code).to_string())
}

/// The code if the text is a country, else the text as printed (so nothing is lost).
pub(crate) fn code_or_text(text: &str) -> String {
    to_code(text).unwrap_or_else(|| text.trim().to_string())
}

/// The country at the end of an address ("..., Dubai, United Arab Emirates"), if it is one.
pub(crate) fn from_address_tail(address: &str) -> Option<String> {
    let tail = address.rsplit(',').next()?.trim();
    if tail.len() == 2 {
        // Two letters at the end of an address are as often a US state as a country.
        return None;
    }
    to_code(tail)
}

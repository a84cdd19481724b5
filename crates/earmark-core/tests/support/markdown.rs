//! Golden cases are Markdown tables that people read and edit; this reads them for the test
//! runners, keeping each row's line so that a failure names it.
//!
//! A table is a run of `|` lines: its first row is the header, a `|---|` row is skipped, and any
//! other line ends the table. Cells are trimmed; pipes inside cells are not supported.

/// One data row: its line in the file and its cells by column name.
pub struct Row {
    pub line: usize,
    fields: Vec<(String, String)>,
}

impl Row {
    /// The cell under `column` ("" when the row is short); panics naming the line when the
    /// table has no such column, since that is a malformed golden file.
    pub fn get(&self, column: &str) -> &str {
        self.fields
            .iter()
            .find(|(name, _)| name == column)
            .map(|(_, value)| value.as_str())
            .unwrap_or_else(|| panic!("line {}: the table has no `{column}` column", self.line))
    }
}

/// Every data row of every table in `text`, in file order.
pub fn rows(text: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut header: Option<Vec<String>> = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        let cells: Vec<String> = line
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_owned())
            .collect();
        if cells
            .iter()
            .all(|c| c.chars().all(|ch| ch == '-' || ch == ':'))
        {
            continue;
        }
        let Some(columns) = &header else {
            header = Some(cells);
            continue;
        };
        let mut fields: Vec<(String, String)> = columns
            .iter()
            .zip(cells)
            .map(|(name, value)| (name.clone(), value))
            .collect();
        // A short row reads as empty cells, not as a missing column.
        for name in columns.iter().skip(fields.len()) {
            fields.push((name.clone(), String::new()));
        }
        rows.push(Row {
            line: i + 1,
            fields,
        });
    }
    rows
}

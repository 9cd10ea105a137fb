//! The files of bulk jobs: ZIP archives holding one CSV (the `zip` and `csv` crates). Reading a
//! result page streams its rows from the archive on a blocking thread, through a small bounded
//! channel, so a page of 200,000 rows never sits in memory as records: only its compressed
//! archive and the rows in the channel do.

use std::io::{Cursor, Read, Write};

use bytes::Bytes;
use serde_json::{Map, Value};
use tokio::sync::mpsc;

use crate::Error;

/// Rows parsed ahead of the reader: bounds memory, keeps the parser busy.
const ROWS_AHEAD: usize = 512;

/// The rows of the first CSV in `archive`, each a JSON object by column name; an empty cell is
/// `null`, and Zoho's `Id` column is `id` as in the records API. Parsed on a blocking thread;
/// dropping the receiver stops it.
pub(crate) fn rows(archive: Bytes) -> mpsc::Receiver<Result<Value, Error>> {
    let (sender, receiver) = mpsc::channel(ROWS_AHEAD);
    tokio::task::spawn_blocking(move || {
        if let Err(error) = parse(&archive, &sender) {
            let _ = sender.blocking_send(Err(error));
        }
    });
    receiver
}

fn unreadable(what: impl std::fmt::Display) -> Error {
    Error::Internal(format!(
        "the job's result is not a ZIP archive holding a CSV file: {what}"
    ))
}

fn parse(archive: &[u8], sender: &mpsc::Sender<Result<Value, Error>>) -> Result<(), Error> {
    let mut zip = zip::ZipArchive::new(Cursor::new(archive)).map_err(unreadable)?;
    let file = zip.by_index(0).map_err(unreadable)?;
    let mut reader = csv::Reader::from_reader(file);
    let header: Vec<String> = reader
        .headers()
        .map_err(unreadable)?
        .iter()
        .map(|name| {
            if name == "Id" {
                "id".to_owned()
            } else {
                name.to_owned()
            }
        })
        .collect();
    let mut row = csv::StringRecord::new();
    while reader.read_record(&mut row).map_err(unreadable)? {
        let record: Map<String, Value> = header
            .iter()
            .zip(row.iter())
            .map(|(name, cell)| {
                let value = if cell.is_empty() {
                    Value::Null
                } else {
                    Value::from(cell)
                };
                (name.clone(), value)
            })
            .collect();
        if sender.blocking_send(Ok(Value::Object(record))).is_err() {
            // The reader stopped listening: nothing more to do.
            return Ok(());
        }
    }
    Ok(())
}

/// Every row of the first CSV in `archive`, header first (small files: bulk write results).
pub(crate) fn all_rows(archive: &[u8]) -> Result<Vec<Vec<String>>, Error> {
    let mut zip = zip::ZipArchive::new(Cursor::new(archive)).map_err(unreadable)?;
    let mut file = zip.by_index(0).map_err(unreadable)?;
    let mut content = Vec::new();
    file.read_to_end(&mut content).map_err(unreadable)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(content.as_slice());
    reader
        .records()
        .map(|row| {
            row.map(|row| row.iter().map(str::to_owned).collect())
                .map_err(unreadable)
        })
        .collect()
}

/// A ZIP archive holding `csv` as the one file `name`.
pub(crate) fn zip_one(name: &str, csv: &[u8]) -> Result<Vec<u8>, Error> {
    let failed = |e: &dyn std::fmt::Display| Error::Internal(format!("cannot zip the CSV: {e}"));
    let mut out = Cursor::new(Vec::new());
    let mut writer = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    writer.start_file(name, options).map_err(|e| failed(&e))?;
    writer.write_all(csv).map_err(|e| failed(&e))?;
    writer.finish().map_err(|e| failed(&e))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn rows_come_out_as_records_with_id_and_nulls() {
        let archive = zip_one(
            "1.csv",
            b"Id,Last_Name,Email\n1,Ng,\n2,\"O, Brien\",o@x.y\n",
        )
        .unwrap();
        let mut rows = rows(Bytes::from(archive));
        let first = rows.recv().await.unwrap().unwrap();
        assert_eq!(
            first,
            serde_json::json!({"id": "1", "Last_Name": "Ng", "Email": null})
        );
        let second = rows.recv().await.unwrap().unwrap();
        assert_eq!(second["Last_Name"], "O, Brien");
        assert!(rows.recv().await.is_none());
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_zip_is_an_error_not_a_panic() {
        let mut rows = rows(Bytes::from_static(b"Id,Last_Name\n1,Ng\n"));
        assert!(matches!(rows.recv().await, Some(Err(Error::Internal(_)))));
        assert!(all_rows(b"not a zip").is_err());
    }
}

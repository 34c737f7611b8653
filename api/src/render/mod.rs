//! Official documents: a layout-neutral model of a document in the official form
//! ([`document`]) and the writers that turn it into a file ([`docx`]). Pure: nothing here
//! reads the database; `domain::rendering` gathers what a document says.

pub mod document;
pub mod docx;

"""Documents leadership reads: .docx and .xlsx building blocks and the documents of the quality system."""

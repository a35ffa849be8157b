"""An upload handler that refuses a file over a size limit while the request arrives, not after."""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, StopUpload

# Room for the form's other fields (the CSRF token, one recipient) in a request carrying a file.
FIELDS_ALLOWANCE = 1024 * 1024


class UploadLimit(FileUploadHandler):
    """Put first in `request.upload_handlers`: a file is refused as soon as the request declares more
    than `limit` bytes (plus room for the other fields), or, declared or not, once its bytes pass
    `limit`. Nothing of a refused file reaches the handlers that store it (memory, temporary file).

    Parsing then stops with the fields read so far (the CSRF token comes first in the form). The rest
    of a request up to twice the limit is read and discarded, so that the browser reads the answer; a
    larger one is not read at all (the connection is closed after the answer): a reverse proxy in
    front should refuse it before it arrives (docs/operations.md). `refused` names the file field.
    """

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.request_length = 0
        self.refused = ""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request_length = content_length  # and parse as usual

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        if self.request_length > self.limit + FIELDS_ALLOWANCE:
            self._refuse()

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self._refuse()
        return raw_data  # on to the handler that stores it

    def file_complete(self, file_size):
        return None  # the storing handler makes the file

    def _refuse(self):
        self.refused = self.field_name
        raise StopUpload(connection_reset=self.request_length > 2 * self.limit)

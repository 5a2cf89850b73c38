"""Files generated for tests: good pages (``tests.data.pages``) and bad inputs
(``tests.data.bad_inputs``)."""

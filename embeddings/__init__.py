"""The embedding API as a Django app: its requests and answers in the Atlas and OpenAI shapes (`requests`),
the endpoints (`api`), and the content-hash cache of vectors (`cache`, `models`) that map builds share."""

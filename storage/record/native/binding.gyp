{
  "targets": [
    {
      "target_name": "samsa_crc32c",
      "sources": ["crc32c.c"],
      "cflags": ["-O3"]
    }
  ]
}

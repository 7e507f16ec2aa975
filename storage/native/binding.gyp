{
  "targets": [
    {
      "target_name": "samsa_crc32c",
      "sources": ["crc32c.c"],
      "cflags": ["-O3"]
    },
    {
      "target_name": "samsa_mmap",
      "sources": ["mmap.c"],
      "cflags": ["-O2"]
    }
  ]
}


˜
 

service.name
telemetrygenÊl	I5µ”Gë	Info*
hello from telemetrygen2
app
server2
http.request.method
GET2
retries8l	>nµ”Gë	Info*
hello from telemetrygen2
app
server2
http.request.method
GET2
retries8l	—åQN”Gë	Info*
hello from telemetrygen2
app
server2
http.request.method
GET2
retries8'https://opentelemetry.io/schemas/1.40.0